{application, kv_front,
 [{description, "The example system's front end: a TCP listener and one session per connection"},
  {vsn, "1.0.0"},
  {modules, [kv_front_sup, kv_session_sup, kv_listener, kv_session]},
  {registered, [kv_session_sup, kv_listener]},
  {applications, [kv_store]},
  {mod, {kv_front_sup, []}},
  {env, [{port, 7070}]}]}.

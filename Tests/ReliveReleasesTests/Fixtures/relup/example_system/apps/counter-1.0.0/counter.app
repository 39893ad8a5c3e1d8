{application, counter,
 [{description, "counter"},
  {vsn, "1.0.0"},
  {modules, [counter_app, counter_sup, counter_srv, counter_store]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

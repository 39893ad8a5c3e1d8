{application, counter,
 [{description, "counter"},
  {vsn, "2.0.0"},
  {modules, [counter_app, counter_sup, counter_srv, counter_store, counter_stats]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

{application, counter,
 [{description, "A pool of counters (the example system)"},
  {vsn, "1.0.0"},
  {modules, [counter, counter_sup, counter_pool]},
  {registered, [counter_pool]},
  {applications, []},
  {env, []}]}.

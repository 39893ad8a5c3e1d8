{application, metrics,
 [{description, "metrics"},
  {vsn, "0.3.0"},
  {modules, [metrics_app, metrics_sup]},
  {registered, []},
  {applications, [kernel, stdlib, counter]}]}.

{application, kernel,
 [{description, "kernel"},
  {vsn, "8.5"},
  {modules, []},
  {registered, []},
  {applications, []}]}.

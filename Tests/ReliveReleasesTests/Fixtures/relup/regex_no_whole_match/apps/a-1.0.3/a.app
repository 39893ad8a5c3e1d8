{application, a,
 [{description, "a"},
  {vsn, "1.0.3"},
  {modules, [m1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

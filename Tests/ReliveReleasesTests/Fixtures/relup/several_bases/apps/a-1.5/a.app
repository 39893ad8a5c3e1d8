{application, a,
 [{description, "a"},
  {vsn, "1.5"},
  {modules, [m1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

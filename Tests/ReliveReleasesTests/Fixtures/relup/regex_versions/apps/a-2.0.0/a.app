{application, a,
 [{description, "a"},
  {vsn, "2.0.0"},
  {modules, [m1, m2]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

{application, a,
 [{description, "a"},
  {vsn, "1"},
  {modules, [m1, m2]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

{application, a,
 [{description, "a"},
  {vsn, "2"},
  {modules, [m1, m2]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

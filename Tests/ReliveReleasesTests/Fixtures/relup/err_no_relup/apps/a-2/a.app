{application, a,
 [{description, "a"},
  {vsn, "2"},
  {modules, [m1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

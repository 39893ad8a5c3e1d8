{application, a,
 [{description, "a"},
  {vsn, "1"},
  {modules, [m1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

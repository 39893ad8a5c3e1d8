{application, a,
 [{description, "a"},
  {vsn, "1"},
  {modules, [a1, a2]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

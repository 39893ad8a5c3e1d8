{application, a,
 [{description, "a"},
  {vsn, "2"},
  {modules, [a1, a2]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

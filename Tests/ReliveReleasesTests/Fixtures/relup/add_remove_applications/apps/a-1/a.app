{application, a,
 [{description, "a"},
  {vsn, "1"},
  {modules, [a1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

{application, c,
 [{description, "c"},
  {vsn, "2"},
  {modules, [c1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

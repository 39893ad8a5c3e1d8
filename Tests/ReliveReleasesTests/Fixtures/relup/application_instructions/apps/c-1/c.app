{application, c,
 [{description, "c"},
  {vsn, "1"},
  {modules, [c1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

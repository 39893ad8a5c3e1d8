{application, d,
 [{description, "d"},
  {vsn, "1"},
  {modules, [d1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

{application, y,
 [{description, "y"},
  {vsn, "1"},
  {modules, [y1, y2]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

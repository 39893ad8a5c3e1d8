{application, x,
 [{description, "x"},
  {vsn, "1"},
  {modules, [x1, x2]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

{application, w,
 [{description, "w"},
  {vsn, "1"},
  {modules, [w1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

{application, b,
 [{description, "b"},
  {vsn, "1"},
  {modules, [b1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

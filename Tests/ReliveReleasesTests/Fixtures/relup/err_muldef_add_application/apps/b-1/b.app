{application, b,
 [{description, "b"},
  {vsn, "1"},
  {modules, [b1, b2]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

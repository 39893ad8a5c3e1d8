{application, b,
 [{description, "b"},
  {vsn, "2"},
  {modules, [b1, b3]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

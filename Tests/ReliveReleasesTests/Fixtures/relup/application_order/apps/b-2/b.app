{application, b,
 [{description, "b"},
  {vsn, "2"},
  {modules, [b1]},
  {registered, []},
  {applications, [kernel, stdlib, c]}]}.

{application, a,
 [{description, "a"},
  {vsn, "2"},
  {modules, [a1]},
  {registered, []},
  {applications, [kernel, stdlib, b]}]}.

{application, solo,
 [{description, "solo"},
  {vsn, "2"},
  {modules, [s1]},
  {registered, []},
  {applications, [kernel, stdlib, user]}]}.

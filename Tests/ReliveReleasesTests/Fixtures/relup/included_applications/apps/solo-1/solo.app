{application, solo,
 [{description, "solo"},
  {vsn, "1"},
  {modules, [s1]},
  {registered, []},
  {applications, [kernel, stdlib, user]}]}.

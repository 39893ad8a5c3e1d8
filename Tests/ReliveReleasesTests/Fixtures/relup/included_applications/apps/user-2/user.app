{application, user,
 [{description, "user"},
  {vsn, "2"},
  {modules, [u1]},
  {registered, []},
  {applications, [kernel, stdlib, inner]}]}.

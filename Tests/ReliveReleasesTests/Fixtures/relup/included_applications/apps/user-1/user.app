{application, user,
 [{description, "user"},
  {vsn, "1"},
  {modules, [u1]},
  {registered, []},
  {applications, [kernel, stdlib, inner]}]}.

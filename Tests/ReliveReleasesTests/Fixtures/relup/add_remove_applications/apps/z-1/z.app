{application, z,
 [{description, "z"},
  {vsn, "1"},
  {modules, [z1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

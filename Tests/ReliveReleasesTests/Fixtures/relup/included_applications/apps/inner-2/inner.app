{application, inner,
 [{description, "inner"},
  {vsn, "2"},
  {modules, [i1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

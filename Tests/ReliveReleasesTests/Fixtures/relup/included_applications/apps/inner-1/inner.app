{application, inner,
 [{description, "inner"},
  {vsn, "1"},
  {modules, [i1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

{application, top,
 [{description, "top"},
  {vsn, "1"},
  {modules, [t1]},
  {registered, []},
  {applications, [kernel, stdlib]},
  {included_applications, [inner]}]}.

{application, e,
 [{description, "e"},
  {vsn, "1"},
  {modules, [e1]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

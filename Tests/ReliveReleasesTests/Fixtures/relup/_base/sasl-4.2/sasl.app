{application, sasl,
 [{description, "sasl"},
  {vsn, "4.2"},
  {modules, []},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

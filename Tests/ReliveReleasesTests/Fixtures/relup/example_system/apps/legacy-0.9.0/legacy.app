{application, legacy,
 [{description, "legacy"},
  {vsn, "0.9.0"},
  {modules, [legacy_app]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

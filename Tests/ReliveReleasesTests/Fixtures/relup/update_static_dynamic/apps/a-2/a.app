{application, a,
 [{description, "a"},
  {vsn, "2"},
  {modules, [m1, m2, m3, m4, m5, m6, m7, m8, m9]},
  {registered, []},
  {applications, [kernel, stdlib]}]}.

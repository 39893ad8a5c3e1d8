{application, kv_store,
 [{description, "The example system's store: sharded key-value gen_servers with logs"},
  {vsn, "3.0.1"},
  {modules, [kv_store_app, kv_store_sup, kv_janitor_sup, kv_shard, kv_janitor]},
  {registered, [kv_store_sup, kv_janitor_sup, kv_janitor]},
  {applications, []},
  {mod, {kv_store_app, []}},
  {env, [{shards, 16}, {data_dir, "data"}]}]}.



def test_reextract_rebuilds_every_derived_table_rollups_included(db: Database) -> None:
    from archive.reextract import reextract

    rid = store(db, make_report("北京市东城区民政局", 2021, totals={"1": 10, "3.1": 5, "3.7": 10}))
    refresh_research_layer(db)
    db.execute("delete from indicators")  # derived rows gone astray: reextract must not depend on them
    db.execute("delete from report_quality")
    reextract(db)
    assert not publication_stale(db)
    assert db.execute("select count(*) from indicators where report_id = ?", [rid]).fetchone()[0] > 0
    assert db.execute("select count(*) from report_quality where report_id = ?", [rid]).fetchone() == (1,)
    assert db.execute("select count(*) from indicator_rollups where indicator = 'rate_disclosed'").fetchone()[0] > 0

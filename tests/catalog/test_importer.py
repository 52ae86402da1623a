"""`tracker import-creators`: the CSV rules (columns, encodings, bad rows by line), all or
nothing."""

import pytest
from sqlmodel import select

HEADER = "handle,name,platform,followers,email,engagement_rate,niche"


def write(tmp_path, text, name="creators.csv", encoding="utf-8", newline="\n"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return str(path)


def handles(api):
    r = api.get("/api/v1/creators?limit=1000")
    assert r.status_code == 200
    return sorted(c["handle"] for c in r.json["creators"])


GOOD = f"""{HEADER}
@Maya,Maya Glow,Instagram,8200,maya@example.com,0.042,skincare
lena,"Lena, the Baker",tiktok,120000,,,food
omar,Omar,youtube,0,,,
"""


def test_import_creators_imports_every_row(runner, api, tmp_path):
    result = runner.invoke(args=["import-creators", write(tmp_path, GOOD)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "imported 3 creators"
    assert "importing" in result.stderr  # progress
    assert handles(api) == ["lena", "maya", "omar"]
    maya = api.get("/api/v1/creators/maya").json
    assert (maya["name"], maya["platform"], maya["followers"]) == ("Maya Glow", "instagram", 8200)
    assert maya["email"] == "maya@example.com" and maya["niche"] == "skincare"
    assert str(maya["engagement_rate"]) == "0.042"
    assert api.get("/api/v1/creators/lena").json["name"] == "Lena, the Baker"
    assert api.get("/api/v1/creators/lena").json["tier"] == "mid"


def test_import_shows_progress_for_a_large_file(runner, api, tmp_path):
    rows = "".join(f"creator{i},Creator {i},tiktok,{i * 10}\n" for i in range(250))
    result = runner.invoke(args=["import-creators", write(tmp_path, "handle,name,platform,"
                                                                  "followers\n" + rows)])
    assert result.exit_code == 0, result.output
    assert "imported 250 creators" in result.stdout and "importing" in result.stderr
    assert len(handles(api)) == 250


@pytest.mark.parametrize("encoding, newline", [
    ("utf-8", "\r\n"), ("utf-8-sig", "\n"), ("utf-8-sig", "\r\n"),
], ids=["CRLF", "BOM", "BOM+CRLF"])
def test_import_reads_bom_and_crlf_files(runner, api, tmp_path, encoding, newline):
    path = write(tmp_path, GOOD.replace("Maya Glow", "Maÿa Glöw"), encoding=encoding,
                 newline=newline)
    result = runner.invoke(args=["import-creators", path])
    assert result.exit_code == 0, result.output
    assert handles(api) == ["lena", "maya", "omar"]
    assert api.get("/api/v1/creators/maya").json["name"] == "Maÿa Glöw"


def test_header_names_are_not_case_or_space_sensitive(runner, api, tmp_path):
    path = write(tmp_path, " Handle , NAME,Platform ,Followers\nmaya,Maya,instagram,10\n")
    result = runner.invoke(args=["import-creators", path])
    assert result.exit_code == 0, result.output
    assert handles(api) == ["maya"]


BAD = f"""{HEADER}
maya,Maya,instagram,8200,,,
lena,Lena,myspace,100,,,
@MAYA,Maya Again,tiktok,50,,,
omar,,youtube,1000,,,
kim,Kim,tiktok,-5,,,

li,Li,tiktok,lots,,,
zoe,Zoe,blog,10,not-an-email,,
ana,Ana,blog,10,,very,
bo b,Bob,blog,10,,,
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(runner, api, tmp_path,
                                                                   newline):
    path = write(tmp_path, BAD, newline=newline)
    result = runner.invoke(args=["import-creators", path])
    assert result.exit_code == 1
    errors = {int(line.split(":")[1]): line for line in result.stderr.splitlines()
              if line.startswith(path + ":")}
    assert sorted(errors) == [3, 4, 5, 6, 8, 9, 10, 11]  # line 7 is blank, line 2 is good
    assert "platform" in errors[3] and "handle" in errors[4] and "line 2" in errors[4]
    assert "name" in errors[5] and "followers" in errors[6] and "followers" in errors[8]
    assert "email" in errors[9] and "engagement_rate" in errors[10] and "handle" in errors[11]
    assert "nothing imported: 8 bad row(s)" in result.stderr
    assert "imported" not in result.stdout
    assert handles(api) == []


def test_handles_already_in_the_database_are_bad_rows(runner, api, tmp_path):
    api.creator("maya")
    path = write(tmp_path, "handle,name,platform,followers\nlena,Lena,tiktok,5\n@MAYA,M,tiktok,5\n")
    result = runner.invoke(args=["import-creators", path])
    assert result.exit_code == 1
    assert f"{path}:3: handle: 'maya' exists already" in result.stderr
    assert handles(api) == ["maya"]


@pytest.mark.parametrize("text, named", [
    ("maya,Maya,instagram,8200\n", "missing column(s): handle, name"),  # no header row
    ("handle,name,platform\nmaya,Maya,instagram\n", "missing column(s): followers"),
    ("handle,name,platform,followers,shoe_size\nmaya,Maya,instagram,1,44\n",
     "unknown column(s): shoe_size"),
    ("handle,name,platform,followers,name\nmaya,Maya,instagram,1,Other\n",
     "repeated column(s): name"),
    ("", "missing column(s): handle"),
    ("\n\n", "missing column(s): handle"),
], ids=["no header", "missing column", "unknown column", "repeated column", "empty",
        "blank lines"])
def test_a_bad_header_is_reported_on_line_1(runner, api, tmp_path, text, named):
    path = write(tmp_path, text)
    result = runner.invoke(args=["import-creators", path])
    assert result.exit_code == 1
    first = [line for line in result.stderr.splitlines() if line.startswith(f"{path}:1:")]
    assert first and named in first[0]
    assert handles(api) == []


def test_a_header_without_rows_imports_nothing_cleanly(runner, api, tmp_path):
    result = runner.invoke(args=["import-creators", write(tmp_path, HEADER + "\n")])
    assert result.exit_code == 0, result.output
    assert "imported 0 creators" in result.stdout


def test_a_row_with_more_values_than_columns_is_bad(runner, api, tmp_path):
    # An unquoted thousands separator: 8,200 followers read as 8 plus a stray value.
    path = write(tmp_path, "handle,name,platform,followers\nmaya,Maya,instagram,8,200\n")
    result = runner.invoke(args=["import-creators", path])
    assert result.exit_code == 1
    assert f"{path}:2:" in result.stderr and "5 values" in result.stderr
    assert handles(api) == []


def test_a_file_that_is_not_utf8_is_refused_with_a_message(runner, api, tmp_path):
    path = write(tmp_path, "handle,name,platform,followers\nzoe,Zoë,blog,10\n", encoding="latin-1")
    result = runner.invoke(args=["import-creators", path])
    assert result.exit_code not in (0, None)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "UTF-8" in result.output
    assert handles(api) == []


def test_a_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["import-creators", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "nope.csv" in result.output


@pytest.mark.parametrize("sep", [";", "\t"], ids=["semicolons", "tabs"])
def test_spreadsheet_exports_with_semicolons_or_tabs_are_read(runner, api, tmp_path, sep):
    # Excel in many European locales saves "CSV" with semicolons; "Text" exports use tabs.
    rows = ["handle,name,platform,followers,niche", "maya,\"Maya, Glow\",instagram,8200,skin"]
    text = "\n".join(r.replace(",", sep).replace(f"Maya{sep} Glow", "Maya, Glow") for r in rows)
    result = runner.invoke(args=["import-creators", write(tmp_path, text + "\n")])
    assert result.exit_code == 0, result.output
    maya = api.get("/api/v1/creators/maya").json
    assert (maya["name"], maya["followers"], maya["niche"]) == ("Maya, Glow", 8200, "skin")


def test_a_taken_handle_is_found_however_long_the_file(runner, api, tmp_path):
    api.creator("creator1100")
    rows = "".join(f"creator{i},Creator {i},tiktok,{i}\n" for i in range(1200))
    path = write(tmp_path, "handle,name,platform,followers\n" + rows)
    result = runner.invoke(args=["import-creators", path])
    assert result.exit_code == 1
    assert f"{path}:1102: handle: 'creator1100' exists already" in result.stderr
    assert "nothing imported: 1 bad row(s)" in result.stderr
    assert handles(api) == ["creator1100"]


def test_a_bad_row_spanning_lines_is_reported_where_it_starts(runner, api, tmp_path):
    text = ('handle,name,platform,followers,niche\nmaya,Maya,myspace,1,"skin\ncare"\n\n\n'
            "lena,Lena,blogs,2,\n")
    path = write(tmp_path, text)
    result = runner.invoke(args=["import-creators", path])
    assert result.exit_code == 1
    lines = [int(x.split(":")[1]) for x in result.stderr.splitlines() if x.startswith(path)]
    assert lines == [2, 6]


def test_import_that_loses_a_race_for_a_handle_imports_nothing(api, session):
    from tracker.catalog import importer
    from tracker.errors import Conflict
    from tracker.models import Creator

    items, errors = importer.parse_creators_csv(
        "handle,name,platform,followers\nana,Ana,tiktok,900\nmaya,Maya,instagram,8200\n"
    )
    assert errors == [] and importer.existing_handles(session, items) == []
    api.creator("maya")  # created after the check, before the insert
    with pytest.raises(Conflict) as raised:
        importer.import_creators(session, items=items)
    assert raised.value.field == "handle"
    assert [c.handle for c in session.exec(select(Creator)).all()] == ["maya"]

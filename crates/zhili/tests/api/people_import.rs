use super::*;

fn id_for(day: (i64, u32, u32), seq: u32) -> String {
    zhili_domain::id_number::compose(
        "500114",
        zhili_domain::time::days_from_civil(day.0, day.1, day.2),
        seq,
    )
}

#[derive(Clone)]
enum Cell<'a> {
    Text(&'a str),
    Number(f64),
}

fn workbook(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(t) => sheet.write_string(r as u32, c as u16, *t).map(|_| ()),
                Cell::Number(n) => sheet.write_number(r as u32, c as u16, *n).map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn houses_organisations_and_components_import_with_the_same_checks_as_the_api() {
    on_every_backend(|s| async move {
        let village = s.token("village-500114001001").await;
        let upload = |sheet: &'static str, query: &'static str, bytes: Vec<u8>| {
            let s = &s;
            let village = village.clone();
            async move {
                s.post(
                    &format!("/api/v1/import/{sheet}{query}"),
                    Some(&village),
                    Some("application/octet-stream"),
                    bytes,
                )
                .await
            }
        };
        // Each template's header is understood as it is downloaded (stars and all).
        for sheet in ["people", "houses", "orgs", "things"] {
            let t = s
                .http
                .get(format!(
                    "{}/api/v1/import/{sheet}/template?format=csv",
                    s.base
                ))
                .bearer_auth(&village)
                .send()
                .await
                .unwrap();
            assert_eq!(t.status(), StatusCode::OK);
            let header = t.bytes().await.unwrap().to_vec();
            let (st, report) = upload(sheet, "?dry_run=true", header).await;
            assert_eq!(
                (
                    st,
                    report["rows"].as_i64(),
                    report["problems"].as_array().map(Vec::len)
                ),
                (StatusCode::OK, Some(0), Some(0)),
                "{sheet}: {report}"
            );
            let t = s
                .http
                .get(format!("{}/api/v1/import/{sheet}/template", s.base))
                .bearer_auth(&village)
                .send()
                .await
                .unwrap();
            assert!(
                t.bytes().await.unwrap().starts_with(b"PK\x03\x04"),
                "{sheet}: an .xlsx workbook"
            );
        }
        let (st, b) = upload("planets", "", b"a,b\n".to_vec()).await;
        assert_error(st, &b, 422, "invalid_parameter");

        // Houses: a good one with its position, a duplicate code, another village's grid, a
        // position outside its grid, an unknown use and a rented cell that is neither.
        let (a, far) = (deep_point("500114001001001"), deep_point("500114001001002"));
        let csv = format!(
            "房屋编码*,地址*,网格编码*,经度,纬度,用途*,是否出租\n\
                 H-1,文汇路1号,500114001001001,{},{},住宅,是\n\
                 H-1,文汇路2号,500114001001001,,,商铺,否\n\
                 H-3,外村,500114002001001,,,住宅,\n\
                 H-4,文汇路4号,500114001001001,{},{},仓库,也许\n",
            a.x, a.y, far.x, far.y
        );
        let (st, b) = upload("houses", "", csv.clone().into_bytes()).await;
        assert_error(st, &b, 422, "invalid_rows");
        let problems: Vec<(i64, String)> = b["details"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["row"].as_i64().unwrap(),
                    p["field"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            problems,
            vec![
                (3, "code".into()),
                (4, "grid_code".into()),
                (5, "lon".into()),
                (5, "usage".into()),
                (5, "rented".into())
            ],
            "{b}"
        );
        let (_, houses) = s.get("/api/v1/houses", Some(&village)).await;
        assert_eq!(houses["total"], 0, "all or nothing: {houses}");
        let (st, report) = upload("houses", "?partial=true", csv.into_bytes()).await;
        assert_eq!(
            (st, report["written"].as_i64()),
            (StatusCode::OK, Some(1)),
            "{report}"
        );
        assert!(report["rejected_csv"].as_str().unwrap().contains("H-4"));
        let (_, houses) = s.get("/api/v1/houses", Some(&village)).await;
        assert_eq!(
            (
                houses["total"].as_i64(),
                houses["items"][0]["rented"].as_bool()
            ),
            (Some(1), Some(true)),
            "{houses}"
        );
        let (_, found) = s
            .get(
                "/api/v1/houses?q=%E6%96%87%E6%B1%87%E8%B7%AF1",
                Some(&village),
            )
            .await;
        assert_eq!(found["total"], 1, "by address: {found}");
        let (_, none) = s.get("/api/v1/houses?q=H-9", Some(&village)).await;
        assert_eq!(none["total"], 0);
        let (st, b) = s.get("/api/v1/houses?page_size=501", Some(&village)).await;
        assert_error(st, &b, 422, "invalid_parameter");
        // The same file again: registered already, by row.
        let (_, again) = upload(
            "houses",
            "?dry_run=true",
            "房屋编码,地址,网格编码,用途\nH-1,文汇路1号,500114001001001,住宅\n"
                .to_string()
                .into_bytes(),
        )
        .await;
        assert_eq!(
            (
                again["problems"][0]["row"].as_i64(),
                again["problems"][0]["reason"].as_str()
            ),
            (Some(2), Some("registered already")),
            "{again}"
        );

        // Organisations from .xlsx: a school with a valid credit code (its kind in Chinese),
        // a wrong check character, a position outside the village.
        let code = zhili_domain::org::compose_credit_code("52", "500114", "MJ0000077");
        let mut wrong = code.clone().into_bytes();
        wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
        let wrong = String::from_utf8(wrong).unwrap();
        let other = deep_point("500114002001001");
        let book = workbook(&[
            vec![
                Cell::Text("类型"),
                Cell::Text("名称"),
                Cell::Text("统一社会信用代码"),
                Cell::Text("地址"),
                Cell::Text("经度"),
                Cell::Text("纬度"),
                Cell::Text("负责人"),
                Cell::Text("联系电话"),
            ],
            vec![
                Cell::Text("学校"),
                Cell::Text("文汇小学"),
                Cell::Text(&code),
                Cell::Text("文汇路9号"),
                Cell::Number(a.x),
                Cell::Number(a.y),
                Cell::Text("王校长"),
                Cell::Text("13800138001"),
            ],
            vec![
                Cell::Text("企业"),
                Cell::Text("某公司"),
                Cell::Text(&wrong),
                Cell::Text("x"),
                Cell::Number(a.x),
                Cell::Number(a.y),
                Cell::Text("李"),
                Cell::Text(""),
            ],
            vec![
                Cell::Text("企业"),
                Cell::Text("外村公司"),
                Cell::Text(""),
                Cell::Text("x"),
                Cell::Number(other.x),
                Cell::Number(other.y),
                Cell::Text("赵"),
                Cell::Text(""),
            ],
        ]);
        let (st, report) = upload("orgs", "?partial=true", book).await;
        assert_eq!(st, StatusCode::OK, "{report}");
        let fields: Vec<&str> = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["column"].as_str().unwrap())
            .collect();
        assert_eq!(
            (report["written"].as_i64(), fields),
            (Some(1), vec!["统一社会信用代码", "经度"]),
            "{report}"
        );
        let (_, orgs) = s.get("/api/v1/orgs", Some(&village)).await;
        assert_eq!(
            (
                orgs["items"][0]["kind"].as_str(),
                orgs["items"][0]["contact_phone"].as_str()
            ),
            (Some("school"), Some("138****8001")),
            "{orgs}"
        );

        // Exports of the lists, masked, in the caller's area.
        let export = |path: String, token: String| {
            let s = &s;
            async move {
                let r = s
                    .http
                    .get(format!("{}{path}", s.base))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap())
            }
        };
        let (st, text) = export("/api/v1/export/orgs?format=csv".into(), village.clone()).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            text.contains("文汇小学")
                && text.contains("138****8001")
                && !text.contains("13800138001"),
            "{text}"
        );
        let (_, text) = export("/api/v1/export/houses?format=csv".into(), village.clone()).await;
        assert!(
            text.starts_with("\u{feff}房屋编码") && text.contains("H-1") && text.contains(",是,"),
            "{text}"
        );
        let (_, text) = export(
            "/api/v1/export/houses?format=csv".into(),
            s.token("town-500114002").await,
        )
        .await;
        assert!(
            !text.contains("H-1"),
            "another town's export has none of it"
        );
        let (st, _) = export("/api/v1/export/planets".into(), village.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        let (st, _) = export("/api/v1/export/houses".into(), s.token("dept-D01").await).await;
        assert_eq!(st, StatusCode::FORBIDDEN);

        // Components and cameras: a wrong district in the code, an unknown department, a
        // camera with a coverage it cannot have.
        let csv = format!(
            "类型,编码,名称,经度,纬度,责任单位,状态,覆盖类型\n\
                 部件,5001140103000777,路灯,{x},{y},D09,damaged,\n\
                 部件,5002220103000001,路灯,{x},{y},,,\n\
                 摄像头,CAM-77,文汇路口,{x},{y},D99,online,sky\n",
            x = a.x,
            y = a.y
        );
        let (st, b) = upload("things", "", csv.into_bytes()).await;
        assert_error(st, &b, 422, "invalid_rows");
        let problems: Vec<(i64, &str)> = b["details"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["row"].as_i64().unwrap(), p["field"].as_str().unwrap()))
            .collect();
        assert_eq!(
            problems,
            vec![(3, "code"), (4, "department"), (4, "coverage")],
            "{b}"
        );
        let zh: Vec<&str> = b["details"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["reason_zh"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            zh,
            vec![
                "前6位500222不是本区县代码（500114）",
                "没有单位D99",
                "覆盖类型应为road、community、school、market、river、other之一"
            ],
            "every reason in Chinese too"
        );
        let (_, things) = s
            .get("/api/v1/things?region=500114001001", Some(&village))
            .await;
        assert_eq!(things["total"], 0, "nothing written");
        s
    })
    .await;
}

#[tokio::test]
async fn a_spreadsheet_with_bad_rows_is_explained_row_by_row_and_nothing_is_written() {
    on_every_backend(|s| async move {
        let village = s.token("village-500114001001").await;
        let upload = |query: &'static str, bytes: Vec<u8>| {
            let s = &s;
            let village = village.clone();
            async move {
                s.post(
                    &format!("/api/v1/people/import{query}"),
                    Some(&village),
                    Some("application/octet-stream"),
                    bytes,
                )
                .await
            }
        };
        // The template.
        let t = s
            .http
            .get(format!("{}/api/v1/people/import/template", s.base))
            .bearer_auth(&village)
            .send()
            .await
            .unwrap();
        assert_eq!(t.status(), StatusCode::OK);
        assert!(
            t.bytes().await.unwrap().starts_with(b"PK\x03\x04"),
            "an .xlsx workbook"
        );

        let (a, b, c) = (
            id_for((1980, 1, 2), 11),
            id_for((1992, 7, 8), 22),
            id_for((2001, 12, 30), 33),
        );
        let mut wrong = id_for((1975, 3, 4), 44).into_bytes();
        wrong[17] = if wrong[17] == b'1' { b'2' } else { b'1' };
        let wrong = String::from_utf8(wrong).unwrap();
        let d = id_for((1966, 6, 6), 55);
        use Cell::Text as T;
        let header = vec![
            T("证件类型"),
            T("证件号码"),
            T("姓名"),
            T("联系电话"),
            T("网格编码"),
            T("人口类型"),
            T("户籍地"),
            T("流入原因"),
        ];
        let file = workbook(&[
            header.clone(),
            vec![
                T("111"),
                T(&a),
                T("赵一"),
                T("13900000001"),
                T("500114001001001"),
                T("户籍人口"),
            ], // row 2: good
            vec![
                T("111"),
                T(&b),
                T("钱二"),
                Cell::Number(13900000002.0),
                T("500114001001002"),
                T("流动人口"),
                T("湖北省恩施州"),
                T("务工"),
            ], // row 3: good (a migrant with where from and why)
            vec![
                T("111"),
                T(&wrong),
                T("孙三"),
                T(""),
                T("500114001001001"),
                T(""),
            ], // row 4: check character
            vec![
                T("111"),
                T(&c),
                T("李四"),
                T(""),
                T("500114002001001"),
                T(""),
            ], // row 5: not this village's grid
            vec![
                T("111"),
                T(&a),
                T("周五"),
                T(""),
                T("500114001001001"),
                T(""),
            ], // row 6: same as row 2
            vec![
                T("111"),
                Cell::Number(d.parse::<f64>().unwrap_or(0.0)),
                T("吴六"),
                T(""),
                T("500114001001001"),
                T(""),
            ], // row 7: ID typed as a number
            vec![T("111"), T(&d), T(""), T(""), T("500114001001001"), T("")], // row 8: no name
            vec![
                T("111"),
                T(&c),
                T("郑七"),
                T("123"),
                T("500114001001001"),
                T("外星人"),
            ], // row 9: phone and type
            vec![
                T("111"),
                T(&id_for((1988, 8, 8), 66)),
                T("王九"),
                T(""),
                T("500114001001001"),
                T("流动人口"),
                T(""),
                T("旅游"),
            ], // row 10: a migrant without where from, and a reason not on the list
        ]);
        let (st, dry) = upload("?dry_run=true", file.clone()).await;
        assert_eq!(st, StatusCode::OK, "{dry}");
        assert_eq!(
            (
                dry["rows"].as_i64(),
                dry["valid"].as_i64(),
                dry["written"].as_i64()
            ),
            (Some(9), Some(2), Some(0))
        );
        let got: Vec<(i64, String, String)> = dry["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["row"].as_i64().unwrap(),
                    p["column"].as_str().unwrap().to_string(),
                    p["code"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want = [
            (4, "证件号码", "invalid_id_number"),
            (5, "网格编码", "invalid_parameter"),
            (6, "证件号码", "conflict"),
            (7, "证件号码", "invalid_id_number"),
            (8, "姓名", "invalid_parameter"),
            (9, "联系电话", "invalid_parameter"),
            (9, "人口类型", "invalid_parameter"),
            (10, "户籍地", "invalid_parameter"),
            (10, "流入原因", "invalid_parameter"),
        ];
        assert_eq!(
            got,
            want.iter()
                .map(|(r, c, k)| (*r, c.to_string(), k.to_string()))
                .collect::<Vec<_>>(),
            "{dry}"
        );
        // The number cell is told as what it is: digits lost by the sheet, not a wrong check.
        let typed_as_number = dry["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["row"] == 7)
            .unwrap();
        let reason = typed_as_number["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains("15 digits") && !reason.contains("check character"),
            "{typed_as_number}"
        );
        let (_, listed) = s.get("/api/v1/people", Some(&village)).await;
        assert_eq!(listed["total"], 0, "a dry run writes nothing");

        // All or nothing: refused as a whole, with the same report.
        let (st, b) = upload("", file.clone()).await;
        assert_error(st, &b, 422, "invalid_rows");
        assert_eq!(b["details"]["problems"].as_array().unwrap().len(), 9);
        let (_, listed) = s.get("/api/v1/people", Some(&village)).await;
        assert_eq!(
            listed["total"], 0,
            "nothing is written while any row is bad"
        );

        // Only the good rows, on request, with the rejected rows handed back.
        let (st, part) = upload("?partial=true", file.clone()).await;
        assert_eq!(st, StatusCode::OK, "{part}");
        assert_eq!(part["written"], 2);
        let rejected = part["rejected_csv"].as_str().unwrap();
        assert!(
            rejected.contains("问题") && rejected.contains("孙三") && !rejected.contains("赵一"),
            "{rejected}"
        );
        let (_, listed) = s.get("/api/v1/people", Some(&village)).await;
        assert_eq!(listed["total"], 2);
        // A second time, every row is registered already.
        let (_, again) = upload("?dry_run=true", file).await;
        assert!(again["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["row"] == 2 && p["reason"] == "registered already"));

        // CSV as Excel in China saves it (GB 18030) and an unknown column.
        let text = format!("证件号码,姓名,网格编码\n{d},王八,500114001001001\n");
        let csv = encoding_rs::GB18030.encode(&text).0.into_owned();
        assert!(std::str::from_utf8(&csv).is_err(), "really not UTF-8");
        let (st, r) = upload("", csv).await;
        assert_eq!(
            (st, r["written"].as_i64()),
            (StatusCode::OK, Some(1)),
            "{r}"
        );
        // Full-width digits and a stray line break, as typed in WPS: the same number as
        // half-width, found registered when it comes again in half-width.
        let e = id_for((1979, 9, 9), 77);
        let wide: String = e
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        let text = format!(
            "证件号码,姓名,网格编码\n\"{} {}\n\",冯十,500114001001001\n",
            &wide[..18],
            &wide[18..]
        );
        let (st, r) = upload("", text.into_bytes()).await;
        assert_eq!(
            (st, r["written"].as_i64()),
            (StatusCode::OK, Some(1)),
            "{r}"
        );
        let (_, again) = upload(
            "?dry_run=true",
            format!("证件号码,姓名,网格编码\n{e},冯十,500114001001001\n").into_bytes(),
        )
        .await;
        assert!(
            again["problems"][0]["reason"] == "registered already",
            "{again}"
        );
        let (_, r) = upload(
            "?dry_run=true",
            "证件号码,姓名,网格编码,籍贯\n".as_bytes().to_vec(),
        )
        .await;
        assert_eq!(
            (
                r["problems"][0]["row"].as_i64(),
                r["problems"][0]["column"].as_str()
            ),
            (Some(1), Some("籍贯"))
        );
        let (st, b) = upload("", b"\x00\x01garbage".to_vec()).await;
        assert!(st.is_client_error(), "{st} {b}");

        // Export, masked.
        let out = s
            .http
            .get(format!("{}/api/v1/people/export?format=csv", s.base))
            .bearer_auth(&village)
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::OK);
        let text = out.text().await.unwrap();
        assert!(
            text.contains("赵一") && text.contains("************") && !text.contains(&a),
            "{text}"
        );
        let out = s
            .http
            .get(format!("{}/api/v1/people/export", s.base))
            .bearer_auth(&village)
            .send()
            .await
            .unwrap();
        assert!(out.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
        s
    })
    .await;
}

#[tokio::test]
async fn an_office_sheet_with_a_title_and_a_grid_merged_down_its_rows_imports() {
    on_every_backend(|s| async move {
        let village = s.token("village-500114001001").await;
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let plain = rust_xlsxwriter::Format::new();
        // As a community's clerk lays it out: the title merged across, the unit under it.
        sheet
            .merge_range(0, 0, 0, 5, "城东街道文汇社区人口登记表", &plain)
            .unwrap();
        sheet
            .write_string(1, 0, "填报单位：文汇社区居委会")
            .unwrap();
        for (c, h) in [
            "证件类型",
            "证件号码",
            "姓名",
            "联系电话",
            "网格编码",
            "人口类型",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(2, c as u16, *h).unwrap();
        }
        let people = [
            ("郑一", id_for((1971, 4, 5), 61)),
            ("王二", id_for((1983, 8, 9), 62)),
            ("冯三", id_for((1995, 10, 11), 63)),
        ];
        for (i, (name, number)) in people.iter().enumerate() {
            let r = 3 + i as u32;
            sheet.write_string(r, 0, "111").unwrap();
            sheet.write_string(r, 1, number).unwrap();
            sheet.write_string(r, 2, *name).unwrap();
            sheet.write_string(r, 5, "户籍人口").unwrap();
        }
        // One grid for the three households, merged down its column.
        sheet
            .merge_range(3, 4, 5, 4, "500114001001001", &plain)
            .unwrap();
        let (st, report) = s
            .post(
                "/api/v1/people/import",
                Some(&village),
                Some("application/octet-stream"),
                book.save_to_buffer().unwrap(),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{report}");
        assert_eq!(
            (report["rows"].as_i64(), report["written"].as_i64()),
            (Some(3), Some(3)),
            "{report}"
        );
        for (_, number) in &people {
            let (_, found) = s
                .get(&format!("/api/v1/people?q={number}"), Some(&village))
                .await;
            assert_eq!(found["items"][0]["grid_code"], "500114001001001", "{found}");
        }
        s
    })
    .await;
}

import Foundation
import HogportKit
import PostHogCore
import PostHogKit
import Testing
import TestSupport

/// CSVRowConverter: where each column goes, and how cells become JSON values.
@Suite("CSV conventions (CSVRowConverter, CSVValueType)")
struct CSVConventionsTests {
    func row(_ header: [String], _ fields: [String], mapping: ImportMapping = ImportMapping()) throws -> [String: JSONValue] {
        try CSVRowConverter(header: header, mapping: mapping).row(fields)
    }

    @Test("reserved columns become the row's own fields, as text")
    func reservedColumns() throws {
        let header = ["event", "distinct_id", "timestamp", "uuid", "type", "alias", "group_type", "group_key"]
        let r = try row(header, ["signed up", "00042", "1709287200", "u-1", "alias", "42", "company", "7"])
        #expect(r["event"] == "signed up")
        // Ids stay strings even when they look like numbers.
        #expect(r["distinct_id"] == "00042")
        #expect(r["timestamp"] == "1709287200")
        #expect(r["uuid"] == "u-1")
        #expect(r["type"] == "alias")
        #expect(r["alias"] == "42")
        #expect(r["group_type"] == "company")
        #expect(r["group_key"] == "7")
        #expect(r["properties"] == .object([:]))
    }

    @Test("properties.X, $set.X, $set_once.X, $group_set.X, $groups.TYPE and other columns")
    func columnDestinations() throws {
        let header = [
            "event", "properties.plan", "$set.email", "$set_once.first_seen", "$group_set.name", "$groups.company", "browser",
            "properties.a.b",
        ]
        let r = try row(header, ["x", "pro", "a@example.com", "2024-01-01", "Acme", "acme-1", "firefox", "dotted"])
        #expect(r["properties"] == ["plan": "pro", "$groups": ["company": "acme-1"], "browser": "firefox", "a.b": "dotted"])
        #expect(r["$set"] == ["email": "a@example.com"])
        #expect(r["$set_once"] == ["first_seen": "2024-01-01"])
        #expect(r["$group_set"] == ["name": "Acme"])
    }

    @Test("empty cells are left out (also in $set and $groups)")
    func emptyCellsOmitted() throws {
        let r = try row(["event", "distinct_id", "plan", "$set.email", "$groups.company"], ["x", "", "", "", ""])
        #expect(r["distinct_id"] == nil)
        #expect(r["properties"] == .object([:]))
        #expect(r["$set"] == nil)
    }

    @Test(
        "auto inference: booleans, numbers only when they read back unchanged, else strings",
        arguments: [
            ("true", JSONValue.bool(true)), ("false", .bool(false)), ("42", .int(42)), ("-1.5", .double(-1.5)), ("0", .int(0)),
            ("-7", .int(-7)), ("0.25", .double(0.25)), ("01234", .string("01234")), ("1e5", .string("1e5")),
            ("1.50", .string("1.50")), ("+1", .string("+1")), ("-0", .string("-0")), ("TRUE", .string("TRUE")),
            ("True", .string("True")), ("1,000", .string("1,000")), ("12 ", .string("12 ")), (" 12", .string(" 12")),
            ("99999999999999999999", .string("99999999999999999999")), ("NaN", .string("NaN")), ("-inf", .string("-inf")),
            ("0x1F", .string("0x1F")), ("null", .string("null")), ("5.", .string("5.")), (".5", .string(".5")),
        ])
    func autoInference(text: String, expected: JSONValue) throws {
        #expect(try CSVValueType.auto.convert(text) == expected)
        #expect(try row(["event", "v"], ["x", text])["properties"]?["v"] == expected)
    }

    @Test("declared column types")
    func declaredTypes() throws {
        #expect(try CSVValueType.string.convert("42") == "42")
        #expect(try CSVValueType.string.convert("") == nil)
        #expect(try CSVValueType.number.convert("7") == .int(7))
        #expect(try CSVValueType.number.convert("1e5") == .double(100_000))
        #expect(try CSVValueType.number.convert("1.50") == .double(1.5))
        #expect(try CSVValueType.integer.convert("-12") == .int(-12))
        for yes in ["true", "TRUE", "1", "yes", "t"] { #expect(try CSVValueType.boolean.convert(yes) == .bool(true), "\(yes)") }
        for no in ["false", "0", "no", "F"] { #expect(try CSVValueType.boolean.convert(no) == .bool(false), "\(no)") }
        #expect(try CSVValueType.json.convert("{\"a\":[1,2]}") == ["a": [1, 2]])
        #expect(try CSVValueType.json.convert("[true]") == [true])

        var mapping = ImportMapping()
        mapping.columns = ["zip": .string, "price": .number, "meta": .json, "active": .boolean, "qty": .integer, "event": .string]
        let r = try row(["event", "zip", "price", "meta", "active", "qty"], ["x", "01234", "9.99", "{\"k\":\"v\"}", "yes", "3"], mapping: mapping)
        #expect(r["properties"] == ["zip": "01234", "price": 9.99, "meta": ["k": "v"], "active": true, "qty": 3])
    }

    @Test(
        "declared types refuse cells that do not fit, naming the column",
        arguments: [
            (CSVValueType.number, "abc"), (.number, "nan"), (.number, "inf"), (.integer, "1.5"), (.integer, "1e3"), (.boolean, "maybe"),
            (.json, "{bad"),
        ])
    func declaredTypeErrors(type: CSVValueType, text: String) throws {
        #expect(throws: MappingError.self) { _ = try type.convert(text) }
        var mapping = ImportMapping()
        mapping.columns = ["col": type]
        #expect {
            _ = try row(["event", "col"], ["x", text], mapping: mapping)
        } throws: { error in
            (error as? MappingError)?.reason.contains("column 'col'") == true
        }
    }

    @Test("header errors: duplicated names, an empty header row")
    func headerErrors() throws {
        #expect {
            _ = try CSVRowConverter(header: ["event", "plan", "plan"], mapping: ImportMapping())
        } throws: { error in
            (error as? MappingError)?.reason.contains("'plan' twice") == true
        }
        #expect(throws: MappingError.self) { _ = try CSVRowConverter(header: [""], mapping: ImportMapping()) }
        #expect(throws: MappingError.self) { _ = try CSVRowConverter(header: [], mapping: ImportMapping()) }
    }

    @Test("a record with a different field count than the header is an error naming both counts")
    func fieldCountMismatch() throws {
        let converter = try CSVRowConverter(header: ["event", "distinct_id", "timestamp"], mapping: ImportMapping())
        #expect {
            _ = try converter.row(["a", "b"])
        } throws: { error in
            (error as? MappingError)?.reason == "the record has 2 fields but the header has 3"
        }
        #expect(throws: MappingError.self) { _ = try converter.row(["a", "b", "c", "d"]) }
    }

    @Test("fields a mapping names are the row's own fields (not properties), kept as text")
    func mappingNamedColumns() throws {
        var mapping = ImportMapping()
        mapping.event = FieldPath("action")
        mapping.distinctId = [FieldPath("user_id"), FieldPath("anon_id")]
        mapping.timestamp = FieldPath("ts")
        let r = try row(["action", "user_id", "anon_id", "ts", "other"], ["click", "0012", "", "1709287200000", "1"], mapping: mapping)
        #expect(r["action"] == "click")
        #expect(r["user_id"] == "0012")
        #expect(r["ts"] == "1709287200000")
        #expect(r["properties"] == ["other": 1])
    }

    @Test("a CSV row becomes a full message: properties, $set, $set_once, groups, timestamp")
    func endToEndMessage() throws {
        let header = ["event", "distinct_id", "timestamp", "properties.plan", "$set.email", "$set_once.source", "$groups.company", "seats"]
        let r = try row(header, ["signed up", "user-1", "2024-03-01 10:00:00", "pro", "a@example.com", "ads", "acme", "12"])
        guard case .message(let m) = try MessageBuilder().build(r) else {
            Issue.record("expected a message")
            return
        }
        #expect(m.kind == .capture)
        #expect(m.event.event == "signed up")
        #expect(m.event.distinctId == "user-1")
        #expect(m.event.timestamp == Timestamp(year: 2024, month: 3, day: 1, hour: 10))
        #expect(m.event.properties == ["plan": "pro", "$groups": ["company": "acme"], "seats": 12])
        #expect(m.event.set == ["email": "a@example.com"])
        #expect(m.event.setOnce == ["source": "ads"])
    }

    @Test("group_identify from CSV columns: group_type, group_key and $group_set.X")
    func groupIdentifyRow() throws {
        let header = ["type", "distinct_id", "timestamp", "group_type", "group_key", "$group_set.name", "$group_set.employees"]
        let r = try row(header, ["group_identify", "$company_acme", "2024-03-01", "company", "acme", "Acme Inc", "250"])
        guard case .message(let m) = try MessageBuilder().build(r) else {
            Issue.record("expected a message")
            return
        }
        #expect(m.kind == .groupIdentify)
        #expect(m.event.event == "$groupidentify")
        #expect(m.event.properties["$group_type"] == "company")
        #expect(m.event.properties["$group_key"] == "acme")
        #expect(m.event.properties["$group_set"] == ["name": "Acme Inc", "employees": 250])
    }

    @Test("with a mapping that names the properties field, CSV column properties are not lost")
    func mappingPropertiesFieldKeepsColumns() throws {
        // docs/import.md: `properties` is the "field holding the properties object (or a JSON
        // string of one)"; for CSV, fields are column names. The other columns are properties by
        // the column conventions and must survive too.
        var mapping = ImportMapping()
        mapping.properties = FieldPath("props")
        let header = ["event", "distinct_id", "timestamp", "props", "plan"]
        let r = try row(header, ["x", "u", "2024-03-01", "{\"a\":1}", "pro"], mapping: mapping)
        guard case .message(let m) = try MessageBuilder(mapping: mapping).build(r) else {
            Issue.record("expected a message")
            return
        }
        #expect(m.event.properties["plan"] == "pro")
        #expect(m.event.properties["a"] == 1)
    }

    @Test("a column named like the properties field holds a JSON object merged into the properties; own columns win")
    func propertiesColumn() throws {
        let header = ["event", "distinct_id", "timestamp", "properties", "plan"]
        let r = try row(header, ["x", "u", "2024-03-01", #"{"a":1,"plan":"free","nested":{"k":true}}"#, "pro"])
        guard case .message(let m) = try MessageBuilder().build(r) else {
            Issue.record("expected a message")
            return
        }
        #expect(m.event.properties == ["a": 1, "plan": "pro", "nested": ["k": true]])
        #expect(try row(header, ["x", "u", "2024-03-01", "", "pro"])["properties"] == ["plan": "pro"])
        #expect(throws: MappingError.self) { _ = try row(header, ["x", "u", "2024-03-01", "[1,2]", "pro"]) }
        #expect(throws: MappingError.self) { _ = try row(header, ["x", "u", "2024-03-01", "{bad", "pro"]) }
    }
}

package rsarl.rewards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Streams the rows of a Parquet file (Hugging Face datasets, verl's {@code data.train_files}) as JSON objects, the
 * shape a JSONL line of the same dataset has: strings, numbers, booleans, lists (Parquet's LIST groups, e.g. verl's
 * chat {@code prompt}) as arrays, maps and structs (e.g. {@code reward_model}) as objects, a missing optional value
 * as absent. Read with parquet-java (snappy, gzip, zstd, lz4 and uncompressed pages).
 */
public final class ParquetRows {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ParquetRows() {
    }

    /** Receives one row with its 1-based row number. */
    @FunctionalInterface
    public interface RowHandler {
        void accept(int rowNo, ObjectNode row);
    }

    public static boolean isParquet(Path file) {
        return file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".parquet");
    }

    /** Hands every row of {@code file} to {@code handler}, in file order; a corrupt file names itself. */
    public static void forEachRow(Path file, RowHandler handler) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            ColumnIOFactory io = new ColumnIOFactory();
            int rowNo = 0;
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = io.getColumnIO(schema).getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    handler.accept(++rowNo, toJson(records.read()));
                }
            }
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IllegalArgumentException(file + ": not a readable Parquet file (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new IOException(file + ": not a readable Parquet file (" + e.getMessage() + ")", e);
        }
    }

    static ObjectNode toJson(Group g) {
        ObjectNode o = F.objectNode();
        GroupType t = g.getType();
        for (int f = 0; f < t.getFieldCount(); f++) {
            Type field = t.getType(f);
            int n = g.getFieldRepetitionCount(f);
            if (field.isRepetition(Type.Repetition.REPEATED)) {
                ArrayNode a = o.putArray(field.getName());
                for (int i = 0; i < n; i++) {
                    a.add(value(g, f, i, field));
                }
            } else if (n > 0) {
                o.set(field.getName(), value(g, f, 0, field));
            }
        }
        return o;
    }

    private static JsonNode value(Group g, int f, int i, Type field) {
        if (field.isPrimitive()) {
            return primitive(g, f, i, field.asPrimitiveType());
        }
        Group child = g.getGroup(f, i);
        LogicalTypeAnnotation ann = field.getLogicalTypeAnnotation();
        if (ann instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
            return list(child);
        }
        if (ann instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation) {
            return map(child);
        }
        return toJson(child);
    }

    /** LIST: {@code group (LIST) { repeated group list { element } }} (or the legacy 2-level form). */
    private static ArrayNode list(Group list) {
        ArrayNode a = F.arrayNode();
        if (list.getType().getFieldCount() == 0) {
            return a;
        }
        Type repeated = list.getType().getType(0);
        for (int i = 0; i < list.getFieldRepetitionCount(0); i++) {
            if (repeated.isPrimitive()) {
                a.add(primitive(list, 0, i, repeated.asPrimitiveType()));
                continue;
            }
            Group item = list.getGroup(0, i);
            GroupType it = item.getType();
            if (it.getFieldCount() == 1) {
                Type element = it.getType(0);
                a.add(item.getFieldRepetitionCount(0) == 0 ? F.nullNode() : value(item, 0, 0, element));
            } else {
                a.add(toJson(item));
            }
        }
        return a;
    }

    private static ObjectNode map(Group map) {
        ObjectNode o = F.objectNode();
        for (int i = 0; i < map.getFieldRepetitionCount(0); i++) {
            Group kv = map.getGroup(0, i);
            String key = kv.getValueToString(0, 0);
            Type vt = kv.getType().getType(1);
            o.set(key, kv.getFieldRepetitionCount(1) == 0 ? F.nullNode() : value(kv, 1, 0, vt));
        }
        return o;
    }

    private static JsonNode primitive(Group g, int f, int i, PrimitiveType p) {
        return switch (p.getPrimitiveTypeName()) {
            case BOOLEAN -> F.booleanNode(g.getBoolean(f, i));
            case INT32 -> F.numberNode(g.getInteger(f, i));
            case INT64 -> F.numberNode(g.getLong(f, i));
            case FLOAT -> F.numberNode(g.getFloat(f, i));
            case DOUBLE -> F.numberNode(g.getDouble(f, i));
            case BINARY, FIXED_LEN_BYTE_ARRAY, INT96 -> F.textNode(g.getValueToString(f, i));
        };
    }
}

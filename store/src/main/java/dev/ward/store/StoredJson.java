package dev.ward.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.math.BigInteger;

/**
 * JSON of the records keyd keeps in stores. Instants are ISO-8601 and certificate serials hex, so an operator
 * reading a record with kubectl or etcdctl sees the same serial that openssl prints.
 */
public final class StoredJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .registerModule(new SimpleModule()
                    .addSerializer(BigInteger.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(BigInteger v, JsonGenerator g, SerializerProvider p) throws IOException {
                            g.writeString(v.toString(16));
                        }
                    })
                    .addDeserializer(BigInteger.class, new JsonDeserializer<>() {
                        @Override
                        public BigInteger deserialize(JsonParser p, DeserializationContext c) throws IOException {
                            return new BigInteger(p.getValueAsString(), 16);
                        }
                    }))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private StoredJson() {}

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static <T> T read(String json, Class<T> type, String what) {
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) throw new IllegalArgumentException(what + " is empty");
            return value;
        } catch (IOException | RuntimeException e) {
            throw new CorruptRecordException(what + " cannot be read: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}

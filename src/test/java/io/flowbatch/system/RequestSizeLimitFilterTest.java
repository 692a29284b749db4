package io.flowbatch.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The size limit on a body without a declared length (chunked transfer): the read fails
 * once the limit is passed, before the rest is taken in. A declared length past the limit
 * is refused at once ({@code IntakeFuzzTest} covers that through the whole application).
 */
class RequestSizeLimitFilterTest {

    private final RequestSizeLimitFilter filter = new RequestSizeLimitFilter(new HttpProperties(DataSize.ofBytes(64)));

    @Test
    void aChunkedBodyFailsItsReadPastTheLimit() {
        MockHttpServletRequest request = chunked("[" + "\"x\",".repeat(40) + "\"x\"]");
        assertThatThrownBy(() -> filter.doFilter(request, new MockHttpServletResponse(),
                (req, res) -> req.getInputStream().readAllBytes()))
            .isInstanceOf(RequestTooLargeException.class)
            .hasMessageContaining("larger than 64 bytes");
    }

    @Test
    void aChunkedBodyWithinTheLimitReadsWhole() throws Exception {
        MockHttpServletRequest request = chunked("[\"x\"]");
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        filter.doFilter(request, new MockHttpServletResponse(),
                (req, res) -> read.write(req.getInputStream().readAllBytes()));
        assertThat(read.toString(StandardCharsets.UTF_8)).isEqualTo("[\"x\"]");
    }

    @Test
    void aDeclaredLengthPastTheLimitIs413WithoutReading() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/events");
        request.setContent(new byte[65]);
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, (req, res) -> {
            throw new IOException("the body must not be read");
        });
        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getContentAsString()).contains("larger than 64 bytes; nothing was written");
    }

    /** A request whose length is not declared, as with Transfer-Encoding: chunked. */
    private static MockHttpServletRequest chunked(String body) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/events") {
            @Override
            public long getContentLengthLong() {
                return -1;
            }

            @Override
            public int getContentLength() {
                return -1;
            }
        };
        request.setContent(body.getBytes(StandardCharsets.UTF_8));
        return request;
    }

}

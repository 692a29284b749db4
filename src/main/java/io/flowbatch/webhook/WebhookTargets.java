package io.flowbatch.webhook;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.springframework.stereotype.Component;

/**
 * Which URLs a webhook step may call. A URL is checked when the flow is saved (scheme,
 * host on the allow-list, no address that is not public) and its host again, resolved,
 * just before each chunk's requests: a public name that later resolves to a private
 * address is refused then. The HTTP client resolves the name again when it connects; the
 * JVM's address cache ({@code networkaddress.cache.ttl}, 30 s by default) makes that the
 * address checked, but a cache turned off reopens the gap, and an egress proxy is the
 * stronger fence (README, Flows).
 */
@Component
public class WebhookTargets {

    private final OutboundWebhookProperties properties;

    public WebhookTargets(OutboundWebhookProperties properties) {
        this.properties = properties;
    }

    /** What is wrong with a webhook step's URL; empty when it may be saved. */
    public List<String> problems(String url) {
        List<String> problems = new ArrayList<>();
        URI uri;
        try {
            uri = new URI(url);
        }
        catch (URISyntaxException ex) {
            problems.add("is not a URL: " + ex.getReason());
            return problems;
        }
        String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
        if (!scheme.equals("https") && !(scheme.equals("http") && properties.allowHttp())) {
            problems.add(properties.allowHttp() ? "must be an http or https URL"
                    : "must be an https URL (flowbatch.outbound-webhooks.allow-http is off)");
            return problems;
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            problems.add("must name a host");
            return problems;
        }
        if (uri.getUserInfo() != null) {
            problems.add("must not carry credentials; the request is signed instead");
        }
        if (!allowedHost(host)) {
            problems.add("host '" + host + "' is not in flowbatch.outbound-webhooks.allowed-hosts "
                    + properties.allowedHosts());
        }
        else if (!properties.allowPrivateAddresses() && (isLocalName(host) || isLiteralNonPublic(host))) {
            problems.add("host '" + host + "' is not a public address "
                    + "(flowbatch.outbound-webhooks.allow-private-addresses is off)");
        }
        if (properties.signingKey() == null) {
            problems.add("requests cannot be signed: flowbatch.outbound-webhooks.signing-key is not set");
        }
        return problems;
    }

    /**
     * Refuses, at send time, a host that resolves to an address that is not public
     * (unless private addresses are allowed).
     */
    void checkResolved(URI uri) throws WebhookRefusedException {
        if (properties.allowPrivateAddresses()) {
            return;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(uri.getHost())) {
                if (!isPublic(address)) {
                    throw new WebhookRefusedException("host '" + uri.getHost() + "' resolves to "
                            + address.getHostAddress() + ", which is not a public address");
                }
            }
        }
        catch (UnknownHostException ex) {
            throw new WebhookRefusedException("host '" + uri.getHost() + "' does not resolve");
        }
    }

    private boolean allowedHost(String host) {
        if (properties.allowedHosts().isEmpty()) {
            return true;
        }
        String name = host.toLowerCase(Locale.ROOT);
        for (String allowed : properties.allowedHosts()) {
            String pattern = allowed.strip().toLowerCase(Locale.ROOT);
            if (pattern.startsWith("*.") ? name.endsWith(pattern.substring(1)) : name.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLocalName(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        return name.equals("localhost") || name.endsWith(".localhost") || name.endsWith(".local")
                || name.endsWith(".internal") || name.equals("metadata.google.internal");
    }

    /** A host written as an IP address that is not public; names are checked at send. */
    private static boolean isLiteralNonPublic(String host) {
        String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+") && !literal.contains(":")) {
            return false;
        }
        try {
            return !isPublic(InetAddress.getByName(literal));
        }
        catch (UnknownHostException ex) {
            return true;
        }
    }

    static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address) {
            // Unique local (fc00::/7).
            if ((bytes[0] & 0xfe) == 0xfc) {
                return false;
            }
            // An IPv4 address inside an IPv6 one reaches that IPv4 address: NAT64
            // (64:ff9b::/96), 6to4 (2002::/16), IPv4-compatible (::a.b.c.d). (Java turns
            // IPv4-mapped ones into IPv4 addresses itself.)
            byte[] embedded = embeddedIpv4(bytes);
            return embedded == null || isPublicIpv4(embedded);
        }
        return isPublicIpv4(bytes);
    }

    private static byte[] embeddedIpv4(byte[] bytes) {
        boolean nat64 = bytes[0] == 0 && bytes[1] == 0x64 && bytes[2] == (byte) 0xff && bytes[3] == (byte) 0x9b;
        for (int i = 4; nat64 && i < 12; i++) {
            nat64 = bytes[i] == 0;
        }
        boolean compatible = true;
        for (int i = 0; compatible && i < 12; i++) {
            compatible = bytes[i] == 0;
        }
        if (nat64 || compatible) {
            return Arrays.copyOfRange(bytes, 12, 16);
        }
        if (bytes[0] == 0x20 && bytes[1] == 0x02) {
            return Arrays.copyOfRange(bytes, 2, 6);
        }
        return null;
    }

    private static boolean isPublicIpv4(byte[] bytes) {
        try {
            InetAddress address = InetAddress.getByAddress(bytes);
            if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                    || address.isSiteLocalAddress() || address.isMulticastAddress()) {
                return false;
            }
        }
        catch (UnknownHostException ex) {
            return false;
        }
        int first = bytes[0] & 0xff;
        int second = bytes[1] & 0xff;
        // Carrier-grade NAT 100.64/10, "this network" 0/8, benchmarking 198.18/15 and the
        // reserved 240/4 are not the public Internet either.
        return !(first == 0 || (first == 100 && second >= 64 && second < 128) || (first == 198 && (second & 0xfe) == 18)
                || first >= 240);
    }

}

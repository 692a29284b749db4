package io.flowbatch.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.thymeleaf.IEngineConfiguration;
import org.thymeleaf.cache.AlwaysValidCacheEntryValidity;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ITemplateResolver;
import org.thymeleaf.templateresolver.TemplateResolution;
import org.thymeleaf.templateresource.StringTemplateResource;

/**
 * Resolves {@code template:{id}:v{version}:{part}} to text registered by the sandbox and marks
 * it valid forever: a version never changes, so each part is parsed once per JVM and then
 * served from Thymeleaf's template cache. Unknown names resolve to nothing, so a template can
 * never reach another one.
 */
final class VersionedTemplateResolver implements ITemplateResolver {

    private final Map<String, String> texts = new ConcurrentHashMap<>();

    private final TemplateMode mode;

    VersionedTemplateResolver(TemplateMode mode) {
        this.mode = mode;
    }

    void register(String name, String text) {
        texts.putIfAbsent(name, text);
    }

    @Override
    public String getName() {
        return "flowbatch-versioned-" + mode;
    }

    @Override
    public Integer getOrder() {
        return 1;
    }

    @Override
    public TemplateResolution resolveTemplate(IEngineConfiguration configuration, String ownerTemplate,
            String template, Map<String, Object> templateResolutionAttributes) {
        String text = texts.get(template);
        if (text == null) {
            return null;
        }
        return new TemplateResolution(new StringTemplateResource(text), mode, AlwaysValidCacheEntryValidity.INSTANCE);
    }

}

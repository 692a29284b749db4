# Build the jar in one stage, run it on a JRE in the next, as a non-root user.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY db/ db/
COPY src/ src/
RUN ./mvnw -B -q package -DskipTests && cp target/flowbatch-*.jar /src/flowbatch.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 flowbatch \
    && useradd --system --uid 10001 --gid flowbatch --home-dir /app flowbatch \
    && mkdir -p /app/data && chown -R flowbatch:flowbatch /app
WORKDIR /app
COPY --from=build /src/flowbatch.jar /app/flowbatch.jar
USER flowbatch
# Production: set SPRING_DATASOURCE_URL, SPRING_DATA_REDIS_HOST, SPRING_MAIL_HOST (and the
# flowbatch.security.* credentials). Without a datasource URL the container runs the
# zero-setup demo, keeping its data in /app/data.
ENV FLOWBATCH_EMBEDDED_DATA_DIRECTORY=/app/data
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/flowbatch.jar"]

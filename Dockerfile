# The operator image: a JRE and the shaded jar, running as an unprivileged user.
# Build the jar first: mvn -B package -DskipTests   (or the full `mvn verify`)
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY target/registry-operator.jar /app/registry-operator.jar
USER 65532:65532
ENTRYPOINT ["java", "-jar", "/app/registry-operator.jar"]

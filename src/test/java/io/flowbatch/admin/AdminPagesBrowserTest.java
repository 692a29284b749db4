package io.flowbatch.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.flowbatch.deliverability.BounceRequest;
import io.flowbatch.deliverability.BounceType;
import io.flowbatch.deliverability.Bounces;
import io.flowbatch.flow.FlowRequest;
import io.flowbatch.intake.CustomerRequest;
import io.flowbatch.intake.EventRequest;
import io.flowbatch.support.Fixtures;
import io.flowbatch.support.FlowbatchTest;
import io.flowbatch.support.TestSmtpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The admin pages in a real browser (Debian's headless Chromium): an operator logs in,
 * finds the minute that failed, sees why, restarts it and sees it complete; support finds
 * why a customer got no email. Screenshots are saved under target/screenshots for review.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.quartz.scheduler-name=flowbatch-browser-test")
@ActiveProfiles("test")
@org.springframework.context.annotation.Import(Fixtures.class)
class AdminPagesBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    static WebDriver browser;

    @LocalServerPort
    int port;

    @Autowired
    Fixtures fixtures;

    @Autowired
    Bounces bounces;

    @Autowired
    JsonMapper json;

    TestSmtpServer smtp;

    @BeforeAll
    static void startBrowser() throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are needed (apt-get install chromium chromium-driver)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1440,1100", "--user-data-dir=" + Files.createTempDirectory("flowbatch-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void reset() {
        fixtures.reset();
        smtp = fixtures.smtp();
    }

    @Test
    void anOperatorFindsTheFailedMinuteSeesWhyRestartsItAndSeesItComplete() throws Exception {
        long action = fixtures.checkoutFlow("Abandoned checkout");
        fixtures.dueCheckouts(0, 40);
        smtp.refuseConnections();
        JobExecution failed = fixtures.runMinute();
        assertThat(failed.getStatus()).isEqualTo(BatchStatus.FAILED);
        smtp.acceptConnections();

        logIn();
        assertThat(browser.getTitle()).startsWith("Dashboard");
        assertThat(browser.findElement(By.id("actions")).getText()).contains("Abandoned checkout · action-1");
        screenshot("dashboard");

        open("/admin/executions?status=FAILED");
        browser.findElement(By.linkText("#" + failed.getId())).click();
        waitFor(By.id("exit-summary"));
        assertThat(browser.findElement(By.id("execution-status")).getText()).isEqualTo("FAILED");
        assertThat(browser.findElement(By.id("exit-summary")).getText()).contains("executeAction:action-" + action,
                "The mail server could not be reached");
        assertThat(browser.findElement(By.id("steps")).getText()).contains("executeAction:action-" + action);
        screenshot("execution-failed");

        browser.findElement(By.id("restart")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10))
            .until(ExpectedConditions.textToBePresentInElementLocated(By.className("flash"), "restarted as execution"));
        String restartedUrl = browser.getCurrentUrl();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until((driver) -> {
            driver.navigate().refresh();
            return driver.findElement(By.id("execution-status")).getText().equals("COMPLETED");
        });
        assertThat(restartedUrl).doesNotEndWith("/" + failed.getId());
        assertThat(browser.findElement(By.className("subtitle")).getText())
            .contains("job instance " + failed.getJobInstanceId());
        screenshot("execution");

        assertThat(smtp.received()).hasSize(40);
        assertThat(smtp.countByMessageId().values()).allMatch((count) -> count == 1);
        open("/admin/actions/" + action + "?state=SENT");
        assertThat(browser.findElement(By.id("evaluations")).findElements(By.tagName("tr"))).hasSize(26);
        open("/admin");
        screenshot("dashboard-after-restart");
    }

    @Test
    void anOperatorSeesTheGuardPauseAnActionResumesItAndRemovesASuppressedAddress() throws Exception {
        long action = fixtures.checkoutFlow("Browse abandonment");
        fixtures.dueCheckouts(0, 200);
        fixtures.runMinute();
        bounces.report(new BounceRequest(fixtures.messageIdSentTo(7), null, BounceType.COMPLAINT, "abuse"), "test");

        logIn();
        assertThat(browser.findElement(By.id("guard-alert")).getText()).contains(
                "Browse abandonment (action " + action + ")", "paused by the reputation guard: complaint rate 0.50 %");
        screenshot("dashboard-guard");
        browser.findElement(By.id("guard-alert")).findElement(By.tagName("a")).click();
        waitFor(By.id("reputation"));
        assertThat(browser.findElement(By.id("guard-reason")).getText()).contains("complaint rate 0.50 %");
        assertThat(browser.findElement(By.id("complaint-rate")).getText()).isEqualTo("0.50% (1)");
        screenshot("action-guard");
        browser.findElement(By.id("resume")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10))
            .until(ExpectedConditions.textToBePresentInElementLocated(By.className("flash"), "is live again"));
        assertThat(fixtures.data()
            .jdbc()
            .sql("SELECT status FROM action WHERE id = :id")
            .param("id", action)
            .query(String.class)
            .single()).isEqualTo("LIVE");

        open("/admin/suppressions");
        browser.findElement(By.name("email")).sendKeys("customer7@");
        browser.findElement(By.cssSelector("#search button")).click();
        waitFor(By.id("suppressions"));
        assertThat(browser.findElement(By.id("suppressions")).getText()).contains(Fixtures.email(7),
                "complaint: abuse");
        screenshot("suppressions");
        browser.findElement(By.id("suppressions")).findElement(By.tagName("button")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10))
            .until(ExpectedConditions.textToBePresentInElementLocated(By.className("flash"), "is mailed again"));
        assertThat(fixtures.data()
            .jdbc()
            .sql("SELECT count(*) FROM customer WHERE suppressed_at IS NOT NULL")
            .query(Long.class)
            .single()).isZero();
    }

    /**
     * Support's question: why did a customer get no email? Found by email, the skip and
     * its reason are on the customer's page; the step is previewed for another customer;
     * the flow is paused and goes live again from its page.
     */
    @Test
    void supportFindsWhyACustomerGotNoEmailPreviewsTheStepAndPausesAndResumesTheFlow() throws Exception {
        long flow = fixtures.flows()
            .create(json.readValue(
                    """
                            {"name": "Abandoned cart", "trigger": {"metric": "Started Checkout"},
                             "profileFilter": {"not": {"property": "customer.properties.segment", "op": "eq", "value": "wholesale"}},
                             "steps": [{"id": "mail", "type": "email", "smartSending": false,
                                        "email": {"from": "Shop <shop@example.com>", "subject": "[[${customer.firstName}]], your cart",
                                                  "html": "<p>Hi [[${customer.firstName}]]</p>"}}]}""",
                    FlowRequest.class))
            .id();
        fixtures.intake()
            .upsertCustomers(
                    List.of(new CustomerRequest("jane@example.com", "Jane", null, null, Map.of("segment", "wholesale")),
                            new CustomerRequest("tom@example.com", "Tom", null, null, Map.of())));
        fixtures.intake()
            .ingestEvents(List.of(new EventRequest("jane@example.com", "Started Checkout", null, null, null),
                    new EventRequest("tom@example.com", "Started Checkout", null, null, null)));
        fixtures.runMinute();

        logIn();
        browser.findElement(By.linkText("Customers")).click();
        waitFor(By.id("customer-email"));
        browser.findElement(By.id("customer-email")).sendKeys("jane@example.com");
        browser.findElement(By.id("find-customer")).click();
        waitFor(By.id("customer-evaluations"));
        assertThat(browser.findElement(By.id("customer-evaluations")).getText()).contains("Abandoned cart", "mail",
                "SKIPPED", "profile filter: customer no longer meets it");
        assertThat(browser.findElement(By.id("customer")).getText()).contains("wholesale");
        screenshot("customer-timeline");

        browser.findElement(By.id("customer-evaluations")).findElement(By.linkText("mail")).click();
        waitFor(By.id("preview-email"));
        browser.findElement(By.id("preview-email")).sendKeys("tom@example.com");
        browser.findElement(By.id("preview-button")).click();
        waitFor(By.id("preview-subject"));
        assertThat(browser.findElement(By.id("preview-subject")).getText()).isEqualTo("Tom, your cart");
        assertThat(browser.findElement(By.id("preview-html")).getAttribute("sandbox")).isEmpty();
        screenshot("step-preview");

        open("/admin/flows/" + flow);
        waitFor(By.id("flow-graph"));
        browser.findElement(By.id("pause-flow")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10))
            .until(ExpectedConditions.textToBePresentInElementLocated(By.className("flash"), "is PAUSED"));
        screenshot("flow-paused");
        browser.findElement(By.id("resume-flow")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10))
            .until(ExpectedConditions.textToBePresentInElementLocated(By.className("flash"), "is LIVE"));
        assertThat(fixtures.data().jdbc().sql("SELECT status FROM flow").query(String.class).single())
            .isEqualTo("LIVE");
    }

    /** Logs in through the form, unless the browser's session still is. */
    private void logIn() {
        open("/admin");
        if (browser.getCurrentUrl().endsWith("/login")) {
            browser.findElement(By.id("username")).sendKeys(FlowbatchTest.ADMIN_USER);
            browser.findElement(By.id("password")).sendKeys(FlowbatchTest.ADMIN_PASSWORD);
            browser.findElement(By.id("login")).click();
        }
        waitFor(By.id("schedule"));
    }

    private void open(String path) {
        browser.get("http://localhost:" + port + path);
    }

    private static void waitFor(By element) {
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(element));
    }

    private static void screenshot(String name) throws IOException {
        Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(file, SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

}

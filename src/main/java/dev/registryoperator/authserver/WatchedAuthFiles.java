package dev.registryoperator.authserver;

import dev.registryoperator.access.AccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules the server decides by (htpasswd, access.json, and in Token mode the signing key with
 * its certificate chain), kept current from their files. {@link #refresh()} re-reads them; the
 * server calls it once a second, so a Secret update applies within about two seconds.
 *
 * <p>A file that disappears or does not parse leaves the last good state in place and logs a
 * warning (once per problem, never with content). Files missing at start leave the empty state: no
 * users, no grants, no signing key, so everything is denied (and /token answers 503) until they
 * appear; {@link Rules#complete()} stays false until every file has loaded once, and /healthz
 * reports that.
 */
public final class WatchedAuthFiles {

  private static final Logger LOG = LoggerFactory.getLogger(WatchedAuthFiles.class);

  /** Everything a decision needs, swapped as a whole so a request never sees a mix. */
  public record Rules(
      HtpasswdEntries htpasswd,
      AccessFile access,
      Optional<SigningKey> signingKey,
      boolean complete) {}

  private final WatchedFile htpasswdFile;
  private final WatchedFile accessFile;
  private final Optional<WatchedFile> tokenKeyFiles;
  private final Consumer<HtpasswdEntries> onNewHtpasswd;
  private final AuthMetrics metrics;
  private final Map<Path, String> lastProblem = new HashMap<>();
  private volatile Rules rules;

  /**
   * @param tokenKeyAndCertificate empty in Basic mode; else the key file and the chain file
   * @param onNewHtpasswd told of each newly loaded htpasswd (to prune caches, prepare the dummy)
   */
  public WatchedAuthFiles(
      Path htpasswd,
      Path access,
      Optional<List<Path>> tokenKeyAndCertificate,
      Consumer<HtpasswdEntries> onNewHtpasswd,
      AuthMetrics metrics) {
    this.htpasswdFile = new WatchedFile(htpasswd);
    this.accessFile = new WatchedFile(access);
    this.tokenKeyFiles =
        tokenKeyAndCertificate.map(files -> new WatchedFile(files.get(0), files.get(1)));
    this.onNewHtpasswd = onNewHtpasswd;
    this.metrics = metrics;
    this.rules = new Rules(HtpasswdEntries.EMPTY, AccessFile.EMPTY, Optional.empty(), false);
  }

  public Rules rules() {
    return rules;
  }

  /** The files not loaded yet, by path (for /healthz). */
  public List<Path> missing() {
    List<Path> missing = new ArrayList<>();
    for (WatchedFile file : watched()) {
      if (!file.everAccepted()) {
        missing.add(file.path());
      }
    }
    return missing;
  }

  /** Re-reads every file and swaps in what changed and parses. Safe to call at any time. */
  public synchronized void refresh() {
    Rules current = rules;
    Optional<HtpasswdEntries> htpasswd =
        load(htpasswdFile, read -> HtpasswdEntries.parse(text(read.content())), "htpasswd");
    htpasswd.ifPresent(
        h -> {
          if (h.skippedLines() > 0) {
            LOG.warn(
                "{}: skipped {} lines that are not bcrypt entries",
                htpasswdFile.path(),
                h.skippedLines());
          }
          LOG.info("{}: loaded {} users", htpasswdFile.path(), h.users().size());
        });
    Optional<AccessFile> access =
        load(accessFile, read -> AccessFile.parse(text(read.content())), "access rules");
    access.ifPresent(a -> LOG.info("{}: loaded access rules", accessFile.path()));
    Optional<SigningKey> key =
        tokenKeyFiles.flatMap(
            files ->
                load(
                    files,
                    read ->
                        SigningKey.parse(
                            text(read.contents().get(0)), text(read.contents().get(1))),
                    "token key and certificate"));
    key.ifPresent(k -> LOG.info("{}: loaded token signing key {}", tokenKeyFiles.get().path(), k));

    boolean complete = missing().isEmpty();
    if (htpasswd.isPresent()
        || access.isPresent()
        || key.isPresent()
        || complete != current.complete()) {
      rules =
          new Rules(
              htpasswd.orElse(current.htpasswd()),
              access.orElse(current.access()),
              key.isPresent() ? key : current.signingKey(),
              complete);
      htpasswd.ifPresent(onNewHtpasswd);
    }
  }

  private static String text(byte[] content) {
    return new String(content, StandardCharsets.UTF_8);
  }

  private <T> Optional<T> load(
      WatchedFile file, Function<WatchedFile.Changed, T> parser, String what) {
    WatchedFile.Read read = file.read();
    if (read instanceof WatchedFile.Changed changed) {
      try {
        T parsed = parser.apply(changed);
        file.accept(changed);
        lastProblem.remove(file.path());
        metrics.reloadsOk.increment();
        return Optional.of(parsed);
      } catch (RuntimeException e) {
        // SigningKey's and AccessFile's messages describe the problem without content; anything
        // else is named by its class only.
        String reason =
            e instanceof IllegalArgumentException && file == tokenKeyFiles.orElse(null)
                ? e.getMessage()
                : e.getClass().getSimpleName();
        problem(
            file.path(),
            "is not valid " + what + " (" + reason + ")",
            HexFormat.of().formatHex(changed.digest()),
            file.everAccepted());
      }
    } else if (read instanceof WatchedFile.Missing missing) {
      problem(missing.path(), "is missing", "", file.everAccepted());
    } else if (read instanceof WatchedFile.Unreadable unreadable) {
      problem(
          unreadable.path(),
          "cannot be read (" + unreadable.reason() + ")",
          "",
          file.everAccepted());
    } else {
      lastProblem.remove(file.path());
    }
    return Optional.empty();
  }

  /** Warns once per distinct problem: the same bad content or absence is not logged again. */
  private void problem(Path path, String what, String contentDigest, boolean hadGoodVersion) {
    String key = what + contentDigest;
    if (key.equals(lastProblem.put(path, key))) {
      return;
    }
    metrics.reloadsFailed.increment();
    LOG.warn(
        "{} {}; {}",
        path,
        what,
        hadGoodVersion ? "keeping the last good version" : "denying until it loads");
  }

  private List<WatchedFile> watched() {
    List<WatchedFile> files = new ArrayList<>(List.of(htpasswdFile, accessFile));
    tokenKeyFiles.ifPresent(files::add);
    return files;
  }
}

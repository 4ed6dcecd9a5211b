package dev.registryoperator.roster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.registryoperator.api.v1alpha1.RegistryUser;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who holds a username claimed by several users: the oldest; for users created in the same second,
 * the name. The names are chosen so that age and name would pick different holders.
 */
class RosterTest {

  private static final String EARLY = "2025-03-01T12:00:00Z";
  private static final String LATE = "2025-03-01T12:00:05Z";

  @Test
  void theOldestHoldsTheUsernameEvenWhenItsNameSortsLast() {
    RegistryUser older = user("zoe", "uid-1", EARLY, "shared");
    RegistryUser younger = user("adam", "uid-2", LATE, "shared");

    assertThat(holderOfShared(List.of(older, younger))).isEqualTo("zoe");
    assertThat(holderOfShared(List.of(younger, older))).isEqualTo("zoe");
  }

  @Test
  void createdInTheSameSecondTheNameBreaksTheTie() {
    RegistryUser adam = user("adam", "uid-9", EARLY, "shared");
    RegistryUser zoe = user("zoe", "uid-1", EARLY, "shared");

    assertThat(holderOfShared(List.of(zoe, adam))).isEqualTo("adam");
    assertThat(holderOfShared(List.of(adam, zoe))).isEqualTo("adam");
  }

  @Test
  void aUserBeingDeletedHoldsNothing() {
    RegistryUser leaving = user("zoe", "uid-1", EARLY, "shared");
    leaving.getMetadata().setDeletionTimestamp(LATE);
    RegistryUser staying = user("adam", "uid-2", LATE, "shared");

    assertThat(holderOfShared(List.of(leaving, staying))).isEqualTo("adam");
  }

  @Test
  void eachUsernameHasItsOwnHolderTheResourceNameByDefault() {
    RegistryUser alice = user("alice", "uid-1", LATE, null);
    RegistryUser ci = user("ci", "uid-2", EARLY, "robot");
    RegistryUser otherCi = user("ci-2", "uid-3", LATE, "robot");

    Map<String, RegistryUser> holders = Roster.holders(List.of(otherCi, alice, ci));

    assertThat(holders).containsOnlyKeys("alice", "robot");
    assertThat(holders.get("alice")).isSameAs(alice);
    assertThat(holders.get("robot")).isSameAs(ci);
  }

  @Test
  void heldByOtherNamesTheHolderOnlyToTheOthers() {
    RegistryUser older = user("zoe", "uid-1", EARLY, "shared");
    RegistryUser younger = user("adam", "uid-2", LATE, "shared");
    List<RegistryUser> users = List.of(younger, older);

    assertThat(Roster.heldByOther(younger, users)).containsSame(older);
    assertThat(Roster.heldByOther(older, users)).isEmpty();
  }

  private static String holderOfShared(List<RegistryUser> users) {
    return Roster.holders(users).get("shared").getMetadata().getName();
  }

  private static RegistryUser user(String name, String uid, String created, String username) {
    RegistryUser user = new RegistryUser();
    user.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("team-a")
            .withUid(uid)
            .withCreationTimestamp(created)
            .build());
    user.getSpec().registryRef = "demo";
    user.getSpec().username = username;
    return user;
  }
}

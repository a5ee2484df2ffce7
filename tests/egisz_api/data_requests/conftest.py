from tests.egisz_api.exports.conftest import alice, client, clock, patients, rights_app  # noqa: F401 (fixtures)

// Checks the host's API description for the C++ tests: node check.js
// OPENAPI_FILE POSTMAN_FILE validates the OpenAPI document with
// swagger-parser (the OpenAPI 3 schema and every $ref) and loads the Postman
// collection with Postman's own library, then prints one JSON line
// {valid, errors, operations, postmanRequests, postmanErrors}.
const SwaggerParser = require("@apidevtools/swagger-parser");
const { Collection } = require("postman-collection");
const fs = require("fs");

async function main() {
  const [openapiFile, postmanFile] = process.argv.slice(2);
  const report = { valid: false, errors: [], operations: 0, postmanRequests: 0, postmanErrors: [] };
  const document = JSON.parse(fs.readFileSync(openapiFile, "utf8"));
  for (const item of Object.values(document.paths || {}))
    for (const method of ["get", "put", "post", "delete", "patch", "head", "options"]) if (item[method]) report.operations++;
  try {
    await SwaggerParser.validate(JSON.parse(JSON.stringify(document)));
    report.valid = true;
  } catch (error) {
    report.errors.push(String(error.message || error));
  }
  try {
    const collection = new Collection(JSON.parse(fs.readFileSync(postmanFile, "utf8")));
    collection.forEachItem(() => report.postmanRequests++);
  } catch (error) {
    report.postmanErrors.push(String(error.message || error));
  }
  console.log(JSON.stringify(report));
}

main().catch((error) => { console.error(error); process.exit(1); });

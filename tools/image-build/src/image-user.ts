/** The image's user and group (deploy/Dockerfile `USER 1000:1000`, the pods' runAsUser): the node image's `node`. */
export const imageUser = 1000;
